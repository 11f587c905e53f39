package main

import (
	"context"
	"errors"
)

func runChaos(ctx context.Context, args []string) error {
	return errors.New("chaos: not written yet")
}

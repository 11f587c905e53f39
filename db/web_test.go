package db

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessionsStore(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	if err := d.Sessions.CommitCtx(ctx, "tok", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.Sessions.CommitCtx(ctx, "tok", []byte("data2"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, found, err := d.Sessions.FindCtx(ctx, "tok")
	if err != nil || !found || !bytes.Equal(b, []byte("data2")) {
		t.Fatalf("find: %q %v %v", b, found, err)
	}
	d.Sessions.CommitCtx(ctx, "old", []byte("x"), time.Now().Add(-time.Second))
	if _, found, _ := d.Sessions.FindCtx(ctx, "old"); found {
		t.Error("an expired session was found")
	}
	if n, _ := d.Sessions.DeleteExpired(ctx); n != 1 {
		t.Errorf("deleted %d expired sessions, want 1", n)
	}
	d.Sessions.DeleteCtx(ctx, "tok")
	if _, found, _ := d.Sessions.FindCtx(ctx, "tok"); found {
		t.Error("deleted session found")
	}
}

func TestSigningKeyIsStable(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	k1, err := d.Settings.SigningKey(ctx)
	if err != nil || len(k1) != 32 {
		t.Fatalf("key %x, %v", k1, err)
	}
	k2, _ := d.Settings.SigningKey(ctx)
	if !bytes.Equal(k1, k2) {
		t.Error("the signing key changed between calls")
	}
}

func TestCreateFirstAdminOnlyOnce(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u, err := d.Users.CreateFirstAdmin(ctx, "ann@example.com", "a-long-password")
	if err != nil || !u.IsAdmin() {
		t.Fatalf("%+v %v", u, err)
	}
	if _, err := d.Users.CreateFirstAdmin(ctx, "eve@example.com", "a-long-password"); !errors.Is(err, ErrConflict) {
		t.Errorf("second first admin: %v, want ErrConflict", err)
	}
	if err := d.Users.SetDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Users.Authenticate(ctx, "ann@example.com", "a-long-password"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled user authenticated: %v", err)
	}
	d.Users.SetDisabled(ctx, u.ID, false)
	d.Users.SetPassword(ctx, u.ID, "a-new-password", false)
	if _, err := d.Users.Authenticate(ctx, "ann@example.com", "a-new-password"); err != nil {
		t.Errorf("after reset: %v", err)
	}
	if list, _ := d.Users.List(ctx); len(list) != 1 {
		t.Errorf("list = %v", list)
	}
}

func TestOpeningsOwnership(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	o, err := d.Openings.Create(ctx, Opening{OwnerID: ann.ID, Title: "Go", Description: "Go and Redis"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Openings.Get(ctx, OwnedBy(bob.ID), o.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads ann's opening: %v", err)
	}
	if err := d.Openings.Delete(ctx, OwnedBy(bob.ID), o.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob deletes ann's opening: %v", err)
	}
	o.Title = "Go Lead"
	if _, err := d.Openings.Update(ctx, OwnedBy(bob.ID), o); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob updates ann's opening: %v", err)
	}
	if got, _ := d.Openings.Update(ctx, OwnedBy(ann.ID), o); got.Title != "Go Lead" {
		t.Errorf("update: %+v", got)
	}
	if list, _ := d.Openings.List(ctx, OwnedBy(bob.ID), 10, 0); len(list) != 0 {
		t.Errorf("bob lists %v", list)
	}
}

package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
)

// Cache is content-addressed and has two levels: a tailoring (profile, job
// description, model, prompt version -> verified tailored profile) and a
// print (tailoring + theme + paper -> PDF). Every key has a TTL, so one
// Redis with maxmemory-policy volatile-lru can hold queue and cache. A nil
// *Cache caches nothing.
type Cache struct {
	rdb redis.UniversalClient
	ttl time.Duration

	Metrics *Metrics // nil: no metrics
}

// NewCache returns a cache whose entries live ttl.
func NewCache(rdb redis.UniversalClient, ttl time.Duration) *Cache {
	return &Cache{rdb: rdb, ttl: ttl}
}

// Cache levels, as counted in stats.
const (
	LevelTailoring = "tailoring"
	LevelPrint     = "print"
)

const (
	cacheKeyBase = "tailor:cache:"
	statsKeyBase = "tailor:stats:cache:"
)

// TailoringKey addresses a tailoring by its inputs.
func TailoringKey(profile []byte, jobDescription, model, promptVersion string) string {
	return hashParts("t", string(profile), normalizeJD(jobDescription), model, promptVersion)
}

// PrintKey addresses a printed PDF by its tailoring and presentation.
func PrintKey(tailoringKey, theme, paper string, fit bool) string {
	if fit {
		return hashParts("p", tailoringKey, theme, paper, themes.Version, "fit")
	}
	return hashParts("p", tailoringKey, theme, paper, themes.Version)
}

func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s|", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func normalizeJD(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Tailoring is a cached, already verified tailoring.
type Tailoring struct {
	Profile       resume.Resume `json:"profile"`
	Report        resume.Report `json:"report"`
	Model         string        `json:"model"`
	PromptVersion string        `json:"prompt_version"`
}

// Print is a cached PDF with the HTML it was printed from.
type Print struct {
	PDF  []byte `json:"pdf"`
	HTML string `json:"html"`
}

// GetTailoring returns a cached tailoring; ok is false on a miss. A Redis
// error counts as a miss: the cache must never fail a job.
func (c *Cache) GetTailoring(ctx context.Context, key string) (Tailoring, bool) {
	var t Tailoring
	return t, c.get(ctx, LevelTailoring, key, &t)
}

// PutTailoring stores a tailoring.
func (c *Cache) PutTailoring(ctx context.Context, key string, t Tailoring) error {
	return c.put(ctx, key, t)
}

// GetPrint returns a cached PDF; ok is false on a miss.
func (c *Cache) GetPrint(ctx context.Context, key string) (Print, bool) {
	var p Print
	return p, c.get(ctx, LevelPrint, key, &p)
}

// PutPrint stores a PDF.
func (c *Cache) PutPrint(ctx context.Context, key string, p Print) error {
	return c.put(ctx, key, p)
}

func (c *Cache) get(ctx context.Context, level, key string, v any) bool {
	if c == nil {
		return false
	}
	body, err := c.rdb.Get(ctx, cacheKeyBase+key).Bytes()
	hit := err == nil && json.Unmarshal(body, v) == nil
	outcome := "miss"
	if hit {
		outcome = "hit"
	}
	c.rdb.HIncrBy(ctx, statsKeyBase+level, outcome, 1)
	c.Metrics.cacheRequest(level, outcome)
	if err != nil && !errors.Is(err, redis.Nil) {
		return false
	}
	return hit
}

func (c *Cache) put(ctx context.Context, key string, v any) error {
	if c == nil {
		return nil
	}
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode cache entry: %w", err)
	}
	if err := c.rdb.Set(ctx, cacheKeyBase+key, body, c.ttl).Err(); err != nil {
		return fmt.Errorf("store cache entry: %w", err)
	}
	return nil
}

// CacheStats counts hits and misses per level since Redis last lost its data.
type CacheStats struct {
	Level        string
	Hits, Misses int64
}

// Stats reads the counters.
func (c *Cache) Stats(ctx context.Context) ([]CacheStats, error) {
	var out []CacheStats
	for _, level := range []string{LevelTailoring, LevelPrint} {
		m, err := c.rdb.HGetAll(ctx, statsKeyBase+level).Result()
		if err != nil {
			return nil, fmt.Errorf("cache stats: %w", err)
		}
		s := CacheStats{Level: level}
		fmt.Sscan(m["hit"], &s.Hits)
		fmt.Sscan(m["miss"], &s.Misses)
		out = append(out, s)
	}
	return out, nil
}

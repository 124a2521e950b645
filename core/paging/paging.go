// Package paging holds the page request and page result every list in the hub uses, so the
// API pages all lists alike (page, pageSize, total).
package paging

import (
	"fmt"

	"github.com/stewardhq/steward/core/errs"
)

// Limits on page sizes.
const (
	DefaultSize = 50
	MaxSize     = 500
	// MaxPage keeps offsets far from overflowing; no list is that long.
	MaxPage = 1_000_000
)

// Request asks for one page. Page counts from 1. The zero value asks for the first page of
// DefaultSize items.
type Request struct {
	Page     int
	PageSize int
}

// Normalize fills in defaults and refuses out-of-range values.
func (r Request) Normalize() (Request, error) {
	if r.Page == 0 {
		r.Page = 1
	}
	if r.PageSize == 0 {
		r.PageSize = DefaultSize
	}
	if r.Page < 1 || r.Page > MaxPage {
		return r, fmt.Errorf("page must be between 1 and %d, got %d: %w", MaxPage, r.Page,
			errs.ErrInvalid)
	}
	if r.PageSize < 1 || r.PageSize > MaxSize {
		return r, fmt.Errorf("pageSize must be between 1 and %d, got %d: %w",
			MaxSize, r.PageSize, errs.ErrInvalid)
	}
	return r, nil
}

// Offset is the number of items before the page.
func (r Request) Offset() int { return (r.Page - 1) * r.PageSize }

// Page is one page of a list.
type Page[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"pageSize"`
	Total    int `json:"total"`
}

// New makes a page from its items, never with a nil slice (JSON shows [] rather than null).
func New[T any](r Request, items []T, total int) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Page: r.Page, PageSize: r.PageSize, Total: total}
}

// Package web embeds Ratify's templates and static files into the binary.
package web

import "embed"

// Templates holds layouts, pages, partials and email templates.
//
//go:embed templates
var Templates embed.FS

// Static holds the stylesheet, htmx and images served under /static.
//
//go:embed static
var Static embed.FS

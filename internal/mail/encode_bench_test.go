package mail_test

import (
	"strings"
	"testing"
	"time"

	"ratify/internal/mail"
)

// BenchmarkEncode encodes a campaign letter of the benchmark's size (about
// 10 KB of HTML and text) as the sender does for every message.
func BenchmarkEncode(b *testing.B) {
	para := strings.Repeat("Ratification protects migrant workers and their families; we ask for it. ", 8)
	var html, text strings.Builder
	html.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ratify</title></head>` + "\n")
	for range 9 {
		html.WriteString(`<p style="font-size:16px;line-height:1.5">` + para + "</p>\n")
		text.WriteString(para + "\n\n")
	}
	now := time.Now()
	b.ReportAllocs()
	b.SetBytes(int64(html.Len() + text.Len()))
	for b.Loop() {
		m := mail.Message{FromName: "Coalition Campaigns", FromAddr: "campaigns@example.org", ToName: "Senator Ada Okafor", ToAddr: "ada.okafor@example.org",
			Subject: "Nigeria and the Migrant Workers Convention: a request to Senator Ada Okafor", HTML: html.String(), Text: text.String(),
			MessageID: "ratify-0123456789abcdef@example.org", ListUnsubscribe: "https://ratify.example.org/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
		if err := m.Encode(now); err != nil {
			b.Fatal(err)
		}
		m.Release()
	}
}

package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func outboxMessage(i int) Message {
	return Message{
		ID:      fmt.Sprintf("m%d", i),
		To:      Address{Email: fmt.Sprintf("user%d@example.com", i)},
		Subject: fmt.Sprintf("Invitation %d", i),
		Text:    fmt.Sprintf("Open https://id.example.com/invite?token=secret%d\n", i),
	}
}

func TestLogOutboxKeepsNewestFirst(t *testing.T) {
	at := testNow
	now := func() time.Time { at = at.Add(time.Minute); return at }
	o := NewLogOutbox(slog.New(slog.NewTextHandler(t.Output(), nil)), OutboxConfig{Keep: 3}, now)
	if got := o.Messages(); len(got) != 0 {
		t.Fatalf("new outbox has %d messages", len(got))
	}
	for i := 1; i <= 5; i++ {
		if err := o.Send(t.Context(), outboxMessage(i)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		got := o.Messages()
		var ids []string
		for _, e := range got {
			ids = append(ids, e.Message.ID)
		}
		var want []string
		for j := i; j > i-3 && j > 0; j-- {
			want = append(want, fmt.Sprintf("m%d", j))
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("after %d: %v, want %v", i, ids, want)
		}
		if !got[0].At.Equal(testNow.Add(time.Duration(i) * time.Minute)) {
			t.Errorf("newest kept at %v", got[0].At)
		}
	}
}

func TestLogOutboxLogLine(t *testing.T) {
	tests := []struct {
		name      string
		cfg       OutboxConfig
		want, not []string
	}{
		{"default keeps the link out", OutboxConfig{Page: "/demo/outbox"},
			[]string{"mail kept in the outbox (no SMTP configured)", "mail_id=m7", "to=user7@example.com", `subject="Invitation 7"`, "outbox=/demo/outbox"},
			[]string{"secret7", "text="}},
		{"demo logs the body", OutboxConfig{LogBodies: true},
			[]string{"to=user7@example.com", "secret7"},
			[]string{"outbox="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			o := NewLogOutbox(slog.New(slog.NewTextHandler(io.MultiWriter(&b, t.Output()), nil)), tt.cfg, nil)
			if err := o.Send(t.Context(), outboxMessage(7)); err != nil {
				t.Fatal(err)
			}
			line := b.String()
			if strings.Count(line, "\n") != 1 {
				t.Errorf("want one log line, got %q", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("log line lacks %q: %s", w, line)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(line, w) {
					t.Errorf("log line has %q: %s", w, line)
				}
			}
		})
	}
}

func TestLogOutboxRefusesInvalid(t *testing.T) {
	o := NewLogOutbox(slog.New(slog.NewTextHandler(t.Output(), nil)), OutboxConfig{}, nil)
	m := outboxMessage(1)
	m.Subject = "x\r\nBcc: eve@evil.example"
	if err := o.Send(t.Context(), m); !errors.Is(err, ErrInvalid) {
		t.Errorf("Send = %v, want ErrInvalid", err)
	}
	if n := len(o.Messages()); n != 0 {
		t.Errorf("kept %d invalid messages", n)
	}
}

func TestLogOutboxGivesIDs(t *testing.T) {
	o := NewLogOutbox(slog.New(slog.DiscardHandler), OutboxConfig{}, nil)
	m := outboxMessage(1)
	m.ID = ""
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if id := o.Messages()[0].Message.ID; !validID(id) {
		t.Errorf("kept message has ID %q", id)
	}
}

// TestLogOutboxConcurrent is for the race detector.
func TestLogOutboxConcurrent(t *testing.T) {
	o := NewLogOutbox(slog.New(slog.DiscardHandler), OutboxConfig{Keep: 10}, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := o.Send(t.Context(), outboxMessage(i)); err != nil {
				t.Error(err)
			}
			o.Messages()
		})
	}
	wg.Wait()
	if n := len(o.Messages()); n != 10 {
		t.Errorf("kept %d, want 10", n)
	}
}

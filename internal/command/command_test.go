package command

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRunCapturesOutputAndErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := WithLogger(context.Background(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	out, err := Run(ctx, "sh", "-c", "echo hello; echo note >&2")
	if err != nil || out != "hello\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
	if !strings.Contains(logs.String(), "stderr=note") {
		t.Errorf("stderr not logged: %s", logs.String())
	}

	_, err = Run(ctx, "sh", "-c", "echo broken >&2; exit 3")
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("want *Error with output and status, got %v", err)
	}
}

func TestSecretHidesArgumentsAndInput(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := WithLogger(context.Background(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	out, err := RunOpts(ctx, Options{Stdin: []byte("s3cret"), Secret: true}, "sh", "-c", "cat; echo s3cret-arg >&2; exit 1")
	if err == nil || out != "s3cret" {
		t.Fatalf("out=%q err=%v", out, err)
	}
	if strings.Contains(logs.String(), "s3cret") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("secret leaked: log=%s err=%v", logs.String(), err)
	}
}

// TestErrorKeepsTheReasonNotTheUsage: a tool that prints its reason and
// then a long usage text gives an error message with the reason only.
func TestErrorKeepsTheReasonNotTheUsage(t *testing.T) {
	t.Parallel()
	script := `echo "Filesystem must be larger than 300MB." >&2; for i in $(seq 40); do echo "usage line $i" >&2; done; exit 1`
	_, err := Run(context.Background(), "sh", "-c", script)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "larger than 300MB") || strings.Contains(msg, "usage line 40") || !strings.Contains(msg, "38 more lines") {
		t.Fatalf("message: %s", msg)
	}
}

// TestAnswersAreNotLoggedAsErrors: an exit code that is an answer comes
// back to the caller but is not logged as a failure.
func TestAnswersAreNotLoggedAsErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := WithLogger(context.Background(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	_, err := RunOpts(ctx, Options{Answers: []int{2}}, "sh", "-c", "exit 2")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a *Error for the caller, got %v", err)
	}
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "command answered") {
		t.Errorf("logs: %s", logs.String())
	}
	logs.Reset()
	RunOpts(ctx, Options{Answers: []int{2}}, "sh", "-c", "exit 3")
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("exit 3 must still be an error: %s", logs.String())
	}
}

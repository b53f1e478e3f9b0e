package tui

import (
	"io"
	"log/slog"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// stuck quits only on a key, and none comes (its input is a pipe no one
// writes to): a program that, told nothing, never stops by itself, as a
// terminal program whose stop hangs.
type stuck struct{}

func (s stuck) Init() tea.Cmd { return nil }
func (s stuck) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		return s, tea.Quit
	}
	return s, nil
}
func (s stuck) View() tea.View { return tea.NewView("") }

// The watch stops a program that does not stop by itself after quit.
func TestWatchStopKillsAProgramThatDoesNotStop(t *testing.T) {
	in, _ := io.Pipe()
	p := tea.NewProgram(stuck{}, tea.WithInput(in), tea.WithOutput(io.Discard))
	quit, stopped := make(chan struct{}), make(chan struct{})
	go watchStop(p, quit, stopped, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); close(stopped); done <- err }()
	time.Sleep(50 * time.Millisecond)
	close(quit) // the operator quit; the program itself was never told
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the program stopped by itself; want it killed by the watch")
		}
	case <-time.After(stopWait + 3*time.Second):
		t.Fatal("the watch did not stop the program")
	}
}

package action

// The save stage: the state file written with what the pass settled.

// saved is told, with why the state file could not be written (nil: it
// was, or did not need to be).
type saved struct {
	told
	saveErr error
}

// saveState records the settled state and Slack's memory. Nothing is
// recorded when the intent could not be (nothing was sent, and what the
// file holds is still true), nor by a cut-short pass that found no state
// file and has nothing to keep (it writes no empty one); a dry run's state
// file keeps nothing.
func (p *pass) saveState(t told) saved {
	fresh := t.cutShort != nil && p.in.loaded.Raw == nil
	switch {
	case t.unrecorded != nil:
		return saved{told: t}
	case fresh && len(t.next.Open) == 0 && len(t.next.Failing) == 0 && len(t.slackMemory) == 0:
		return saved{told: t}
	}
	return saved{told: t, saveErr: t.store.Save(t.next, t.slackMemory)}
}

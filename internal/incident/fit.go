package incident

// Fit fits Decide's plan to what Reconcile learned from PagerDuty. It
// returns the state the fitted plan's events apply to (what Intent and
// Settle take as prev), and the fitted plan. Decide knows only the
// reconciled state; what else PagerDuty showed (what was adopted, what it
// never opened or still holds open) changes these cases:
//
//   - The triggers Decide made only because an adopted incident's severity
//     was unknown are taken out, and those incidents get this pass's
//     severity in the returned state instead. PagerDuty already holds them
//     open: re-sending every one after a lost state file would page nobody
//     and spend minutes of event pacing. A later rise is sent as usual.
//   - An adopted incident Decide would forget (auto-resolve off: left to a
//     human) is simply not adopted: forgetting it would otherwise be
//     reported again on every pass while it stays open in PagerDuty.
//   - With Scope.HoldGroups, an adopted grouped incident Decide would
//     resolve is held open instead.
//   - A trigger sent again for an incident PagerDuty never opened says so
//     (NotOpened), and so does a resolve sent again for one it still holds
//     open after accepting a resolve (NotTaken).
func (r Reconciled) Fit(plan Plan) (State, Plan) {
	adopted, unknown := map[string]bool{}, map[string]bool{}
	for _, inc := range r.Adopted {
		adopted[inc.DedupKey] = true
		unknown[inc.DedupKey] = inc.Severity == ""
	}
	notOpened, notTaken := keySet(r.NotOpened), keySet(r.NotTaken)
	st := r.State.Clone()
	kept := plan.Events[:0:0]
	for _, ev := range plan.Events {
		key := ev.Incident.DedupKey
		switch {
		case ev.Action == Trigger && ev.Reason == SeverityRaised && unknown[key]:
			st.Open[key] = ev.Incident
			continue
		case ev.Action == Forget && adopted[key]:
			delete(st.Open, key)
			continue
		case ev.Action == Resolve && adopted[key] && r.HoldGroups && ev.Incident.Type.Grouped():
			continue // held: still open in st
		case ev.Action == Trigger && ev.Reason == Unconfirmed && notOpened[key]:
			ev.Reason = NotOpened
		case ev.Action == Resolve && notTaken[key]:
			ev.Reason = NotTaken
		}
		kept = append(kept, ev)
	}
	plan.Events = kept
	return st, plan
}

func keySet(incs []Incident) map[string]bool {
	s := make(map[string]bool, len(incs))
	for _, inc := range incs {
		s[inc.DedupKey] = true
	}
	return s
}

package incident

// Delivery is write-ahead: Intent is what the state file records before
// any event is sent, and Settle what it records after, from what became
// of each event. Both are pure; the shell sends.

// Outcome is what became of one event.
type Outcome int

const (
	// Delivered: PagerDuty confirmed it (a 2xx), or it is not sent at all
	// by design (a Forget; PagerDuty turned off).
	Delivered Outcome = iota
	// NotDelivered: it certainly did not arrive (rejected, throttled, or
	// never sent); it is decided afresh next pass.
	NotDelivered
	// OutcomeUnknown: it may have arrived (no answer); its incident stays
	// unconfirmed, and the next pass sends whatever it then needs.
	OutcomeUnknown
)

// base is the state every event is applied to: prev, with this pass's
// failure counts (observations, not deliveries: they always advance).
func base(prev State, plan Plan) State {
	st := prev.Clone()
	st.Failing = plan.Next.Failing
	return st
}

// Intent is the state to record before sending: each event sent (sent(ev)
// true) intended (its incident open and unconfirmed). sends is false when
// no event is sent: there is nothing to record ahead.
func Intent(prev State, plan Plan, sent func(Event) bool) (st State, sends bool) {
	st = base(prev, plan)
	for _, ev := range plan.Events {
		if sent(ev) {
			st.Intend(ev)
			sends = true
		}
	}
	return st, sends
}

// Settle is the next state, from prev, the plan and what became of each of
// its events (outcomes[i] of plan.Events[i]): a delivered event applied, an
// undelivered one's incident as it was in prev, an unknown one's intended
// (unconfirmed).
func Settle(prev State, plan Plan, outcomes []Outcome) State {
	st := base(prev, plan)
	for i, ev := range plan.Events {
		switch outcomes[i] {
		case Delivered:
			st.apply(ev, plan.ConfirmResolves)
		case NotDelivered:
			st.Revert(ev, prev)
		case OutcomeUnknown:
			st.Intend(ev)
		}
	}
	return st
}

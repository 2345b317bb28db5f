package action

// The decide stage: the incident core's plan (pure), from what the pass
// saw and what it knows of its incidents.

import (
	"time"

	"github.com/org/nonce-monitor-action/internal/config"
	"github.com/org/nonce-monitor-action/internal/escape"
	"github.com/org/nonce-monitor-action/internal/incident"
)

// decided is seen and known, with the plan: the events to send, fitted to
// what PagerDuty showed, and from, the state they apply to.
type decided struct {
	seen
	known
	from incident.State
	plan incident.Plan
}

// decide runs the incident core on what the pass saw. Resolves accepted
// earlier and not yet seen done are kept only while a listing can confirm
// them (confirmResolves), and dropped once stale; otherwise PagerDuty's
// 2xx is all there is.
func (p *pass) decide(s seen, k known) decided {
	policy := p.policy()
	rec := k.rec // a copy: its State is this stage's own
	if policy.ConfirmResolves {
		rec.State = rec.State.WithoutStaleResolves(s.at)
	} else {
		rec.State.Resolving = incident.Open{}
	}
	from, plan := rec.Fit(incident.Decide(rec.State, s.observations, s.at, policy))
	return decided{seen: s, known: k, from: from, plan: plan}
}

// policy is the part of the configuration the incident core decides by,
// for this job (its identity in dedup keys) and its lists (narrowed:
// unlisted incidents are held). Resolves are confirmed by a later listing
// only when one reads PagerDuty and they are really sent.
func (p *pass) policy() incident.Policy {
	cfg, s := p.cfg, p.in
	return incident.Policy{
		Owner:            s.owner,
		Job:              groupJob(cfg, s.owner),
		ConfirmResolves:  listsPagerDuty(cfg) && p.out.pagerDuty.sender != nil,
		Narrowed:         s.narrowed,
		Threshold:        int64(cfg.SeverityThreshold),
		ResolveThreshold: cfg.EffectiveResolveThreshold(),
		Levels:           cfg.SeverityLevels,
		AutoResolve:      cfg.AutoResolve,
		ErrorThreshold:   int(cfg.ErrorThreshold),
		GroupThreshold:   int(cfg.GroupThreshold),
		SchedulerHost:    escape.Host(cfg.SURouterURL),
		StuckAfter:       orZero(cfg.StuckAfter),
		CatchUpGrace:     orZero(cfg.CatchUpGrace),
	}
}

// orZero is an optional duration input as the core takes it: 0 turns the
// behaviour it bounds off.
func orZero(d *config.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.D()
}

package pagerduty

import (
	"context"
	"fmt"
	"sort"
	"sync"

	pd "github.com/PagerDuty/go-pagerduty"
)

// lookUp asks PagerDuty about each of Keys the scan did not show open, by
// key: GET /incidents?incident_key=K finds every incident whose alerts
// include K (PagerDuty documents the filter so), in any status, whatever
// incident holds it now, on any service the key may read (the job sent
// these keys: an incident holding one on another service is the job's,
// and says pagerduty-service-id is not the routing key's service). One
// request a key (and one more to list the alerts of an open incident that
// holds others), lookupsAtOnce at a time, in the order of Keys, until the
// listing's time runs out or a lookup fails; the keys not asked stay
// unknown, with a note.
func (l *Lister) lookUp(ctx context.Context, c *pd.Client, out *Listing) {
	seen := map[string]bool{}
	for _, a := range out.Alerts {
		seen[a.DedupKey] = true
	}
	var todo []string
	for _, k := range l.Keys {
		if !seen[k] {
			seen[k] = true
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return
	}
	type answer struct {
		open     []OpenAlert
		held     bool // some incident, open or resolved, holds the key
		services []string
		asked    bool
		err      error
	}
	answers := make([]answer, len(todo))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed bool
	)
	slots := make(chan struct{}, lookupsAtOnce)
	for i, key := range todo {
		slots <- struct{}{}
		mu.Lock()
		stop := failed || ctx.Err() != nil
		mu.Unlock()
		if stop {
			<-slots
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			open, held, services, err := lookupKey(ctx, c, key)
			answers[i] = answer{open: open, held: held, services: services, asked: true, err: err}
			if err != nil {
				mu.Lock()
				failed = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	out.Gone = map[string]bool{}
	var unasked int
	var firstErr error
	others, onService, elsewhere := map[string]bool{}, len(out.Alerts) > 0, 0
	for i, a := range answers {
		away := false
		for _, id := range a.services {
			if id != l.ServiceID {
				others[id], away = true, true
			} else {
				onService = true
			}
		}
		if away {
			elsewhere++
		}
		switch {
		case !a.asked || a.err != nil:
			unasked++
			if firstErr == nil {
				firstErr = a.err
			}
			continue
		case len(a.open) > 0:
			out.Alerts = append(out.Alerts, a.open...)
		default:
			out.Gone[todo[i]] = !a.held
		}
		out.Lookups++
	}
	// One incident a person moved to another service says nothing of the
	// configuration, even when it is the job's only one; two or more of
	// the job's keys found only elsewhere do.
	for id := range others {
		if !onService && elsewhere > 1 {
			out.OtherServices = append(out.OtherServices, id)
		}
	}
	sort.Strings(out.OtherServices)
	if unasked > 0 {
		why := "the listing's time ran out"
		if firstErr != nil {
			why = l.classify(firstErr).Error()
		}
		out.Notes = append(out.Notes, fmt.Sprintf("%d of the %d keys the state file holds that the listing did not show open were not looked up (%s): they are held as the state file says",
			unasked, len(todo), why))
	}
}

// lookupKey lists the incidents that hold key (any status, every date) on
// the service: the open alert under key, with the incident holding it
// (none if no open incident holds it), and whether any incident ever held
// it. An incident whose own key is key and that holds one alert is that
// alert's; any other open incident (a group, a merge's target, one opened
// by hand) has its open alerts listed to see whether key is among them.
// Any status but "resolved" counts as open: text from the network may hold
// an incident open, never close one.
func lookupKey(ctx context.Context, c *pd.Client, key string) (open []OpenAlert, held bool, services []string, err error) {
	resp, err := c.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: pageSize, DateRange: "all", IncidentKey: key})
	if err != nil {
		return nil, false, nil, err
	}
	alertLists := 0
	for _, inc := range resp.Incidents {
		held = true
		services = append(services, serviceID(inc.Service.ID))
		if inc.Status == "resolved" || open != nil {
			continue
		}
		if alertLists == maxAlertListsPerKey {
			// An alert is in one incident at a time: more open ones
			// claiming it is PagerDuty's text gone strange. Held open.
			link := linkOf(inc)
			link.DedupKey = key
			open = []OpenAlert{link}
			continue
		}
		link := linkOf(inc)
		link.DedupKey = key
		if inc.IncidentKey == key && inc.AlertCounts.All <= 1 {
			open = []OpenAlert{link}
			continue
		}
		alertLists++
		alerts, err := listAlerts(ctx, c, inc.ID)
		if err != nil {
			return nil, true, nil, err
		}
		for _, a := range alerts {
			if a.AlertKey == key {
				link.Severity = a.Severity
				open = []OpenAlert{link}
			}
		}
	}
	return open, held, services, nil
}

// maxAlertListsPerKey bounds the incidents whose alerts one lookup lists.
const maxAlertListsPerKey = 2

// serviceID keeps a service ID from the network only if it looks like one
// of PagerDuty's (letters and digits): it is named in a warning.
func serviceID(id string) string {
	if id == "" || len(id) > 20 {
		return "another service"
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "another service"
		}
	}
	return id
}

// serviceStatus reads the service's status, when it is one PagerDuty
// documents ("" otherwise, or if it cannot be read): "maintenance" and
// "disabled" say why an accepted trigger opened no incident.
func (l *Lister) serviceStatus(ctx context.Context, c *pd.Client) string {
	svc, err := c.GetServiceWithContext(ctx, l.ServiceID, &pd.GetServiceOptions{})
	if err != nil {
		return ""
	}
	switch svc.Status {
	case "active", "warning", "critical", "maintenance", "disabled":
		return svc.Status
	}
	return ""
}

// Package fakeworld is the world a pass talks to, faked on loopback for
// tests, the benchmark (cmd/bench) and the demo (cmd/standins): one part
// per service outside the action, each behaving as that service documents
// (and, for AO, as the real node answers):
//
//   - aotest: AO's state servers (HyperBEAM nodes), the scheduler router
//     and the SUs, with faults, latency and schedulers that move; held to
//     a real HyperBEAM node by contract_test.go.
//   - pagerdutytest: PagerDuty's Events API v2 and the REST API's listings
//     of the same alerts, with what people do to incidents.
//   - slacktest: a Slack incoming webhook, with Block Kit's limits.
//
// Each part is started by its Start (on a free loopback port) or Serve
// (on a given listener), through Serve here. No part imports the action's
// own code: each stands for the service, not for our client of it. Test
// helpers that are not stand-ins are in internal/testkit.
package fakeworld

module github.com/org/nonce-monitor-action

go 1.26.0

require (
	github.com/PagerDuty/go-pagerduty v1.8.0
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/google/go-cmp v0.7.0
	github.com/moby/patternmatcher v0.6.1
	github.com/sethvargo/go-envconfig v1.4.3
	github.com/sethvargo/go-githubactions v1.4.0
	github.com/sony/gobreaker/v2 v2.4.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sync v0.24.0
	golang.org/x/time v0.16.0
)

require github.com/google/go-querystring v1.1.0 // indirect

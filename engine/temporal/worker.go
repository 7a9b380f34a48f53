package temporal

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// NewWorker returns a worker polling queue for runs, running at most
// concurrency steps at a time (0: the SDK's default). Start it with Run or
// Start.
func NewWorker(c client.Client, queue string, acts *Activities, concurrency int) worker.Worker {
	w := worker.New(c, queue, WorkerOptions(concurrency))
	Register(w, acts)
	return w
}

// WorkerOptions are the options of actuate's workers. Heartbeats are sent
// at most a second apart, not the SDK's default of 80 % of the heartbeat
// timeout: a step learns of its run's cancellation only when a heartbeat
// reaches Temporal, so this bounds how long a cancelled step runs on.
func WorkerOptions(concurrency int) worker.Options {
	return worker.Options{MaxConcurrentActivityExecutionSize: concurrency, MaxHeartbeatThrottleInterval: time.Second}
}

// Register registers the workflow and the activities with a worker (or
// a test environment).
func Register(w worker.Registry, acts *Activities) {
	w.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(acts.Step, activity.RegisterOptions{Name: StepActivity})
	w.RegisterActivityWithOptions(acts.Resolve, activity.RegisterOptions{Name: ResolveActivity})
}

package temporal

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// NewWorker returns a worker polling queue for runs, running at most
// concurrency steps at a time (0: the SDK's default). Start it with Run or
// Start.
func NewWorker(c client.Client, queue string, acts *Activities, concurrency int) worker.Worker {
	w := worker.New(c, queue, worker.Options{MaxConcurrentActivityExecutionSize: concurrency})
	Register(w, acts)
	return w
}

// Register registers the workflow and the step activity with a worker (or
// a test environment).
func Register(w worker.Registry, acts *Activities) {
	w.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(acts.Step, activity.RegisterOptions{Name: StepActivity})
}

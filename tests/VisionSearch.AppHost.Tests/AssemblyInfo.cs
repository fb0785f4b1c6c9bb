// The AppHost passes its environment through to the services, so each system a test starts reads the test process's
// environment: one at a time, or two would see each other's settings (and share two cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

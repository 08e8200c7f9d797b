/**
 * setupFilesAfterEnv of the suites against the real stack (integration, contract): they talk to
 * servers, start consumer groups and build the CLI, so a test gets two minutes, not five seconds.
 * (jest reads testTimeout only from the global configuration, not per project.)
 */
jest.setTimeout(120_000);

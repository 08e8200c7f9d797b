/**
 * setupFilesAfterEnv of the cli project: each test starts Node processes (and PGlite), which on a
 * busy machine takes seconds, so a test gets two minutes instead of jest's five seconds.
 */
jest.setTimeout(120_000);

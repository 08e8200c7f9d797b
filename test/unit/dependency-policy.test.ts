/**
 * The shared DependencyPolicy (cockatiel underneath): retries only transient errors, opens its
 * breaker after the configured failed calls in a row, refuses calls while open, lets one trial
 * through after the cooldown with a single attempt, turns timeouts and a full bulkhead into
 * DependencyUnavailableError. The breaker reads Date.now, which the test holds still.
 */
import {
  dependencyPolicy,
  DependencyUnavailableError,
  type PolicySettings,
} from '../../adapters/resilience/dependency-policy';

class Down extends Error {}
class Final extends Error {}

const SETTINGS: PolicySettings = {
  attemptTimeoutMs: 10_000,
  attempts: 3,
  backoff: { delaysMs: [1, 1] },
  breakerFailures: 2,
  breakerCooldownMs: 1000,
};

let offset = 0;
beforeEach(() => {
  offset = 0;
  const frozen = Date.now();
  jest.spyOn(Date, 'now').mockImplementation(() => frozen + offset);
});
afterEach(() => jest.restoreAllMocks());

function policy(settings: Partial<PolicySettings> = {}) {
  return dependencyPolicy(
    'probe',
    { ...SETTINGS, ...settings },
    {
      isTransient: (e) => e instanceof Down,
    },
  );
}

/** a call that fails with these errors in turn, then succeeds; counts its attempts */
function calls(...outcomes: (Error | 'ok')[]) {
  let n = 0;
  const call = async () => {
    const outcome = outcomes[Math.min(n++, outcomes.length - 1)];
    if (outcome instanceof Error) throw outcome;
    return 'ok';
  };
  return { call, attempts: () => n };
}

it('retries a transient error and succeeds', async () => {
  const c = calls(new Down(), new Down(), 'ok');
  await expect(policy().execute(c.call)).resolves.toBe('ok');
  expect(c.attempts()).toBe(3);
});

it('does not retry a final error, and it does not count towards the breaker', async () => {
  const p = policy();
  for (let i = 0; i < 4; i++) {
    const c = calls(new Final());
    await expect(p.execute(c.call)).rejects.toBeInstanceOf(Final);
    expect(c.attempts()).toBe(1);
  }
  expect(p.state).toBe('closed');
});

it('opens after the failed calls in a row, refuses while open, then tries once and closes', async () => {
  const p = policy();
  const broke: unknown[] = [];
  let resets = 0;
  p.onBreak((e) => broke.push(e));
  p.onReset(() => resets++);
  for (let i = 0; i < 2; i++)
    await expect(p.execute(calls(new Down()).call)).rejects.toBeInstanceOf(Down);
  expect(p.state).toBe('open');
  expect(broke).toHaveLength(1);
  expect(broke[0]).toBeInstanceOf(Down);

  const refused = calls('ok');
  await expect(p.execute(refused.call)).rejects.toMatchObject({
    why: 'breaker_open',
    dependency: 'probe',
  });
  expect(refused.attempts()).toBe(0);

  // after the cooldown: one trial, with a single attempt even though it fails transiently
  offset += 1000;
  const trial = calls(new Down(), 'ok');
  await expect(p.execute(trial.call)).rejects.toBeInstanceOf(Down);
  expect(trial.attempts()).toBe(1);
  expect(p.state).toBe('open');

  offset += 1000;
  await expect(p.execute(calls('ok').call)).resolves.toBe('ok');
  expect(p.state).toBe('closed');
  expect(resets).toBe(1);
});

it('a timed-out attempt is transient and ends as DependencyUnavailableError(timed_out)', async () => {
  const p = policy({ attemptTimeoutMs: 20, attempts: 2, breakerFailures: 0 });
  let attempts = 0;
  const error = await p
    .execute(async (signal) => {
      attempts++;
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DependencyUnavailableError);
  expect(error).toMatchObject({ why: 'timed_out' });
  expect(attempts).toBe(2);
});

it('a cooperative attempt timeout signals the call but waits for its own end, no retry behind it', async () => {
  const p = policy({ attemptTimeoutMs: 20, attemptTimeout: 'cooperative', breakerFailures: 0 });
  let attempts = 0;
  const answer = await p.execute(async (signal) => {
    attempts++;
    // a transaction the server ends itself: it answers after the signal, and that answer counts
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    return 'ended by the server';
  });
  expect(answer).toBe('ended by the server');
  expect(attempts).toBe(1);
});

it('a full bulkhead refuses at once instead of queueing without bound', async () => {
  const p = policy({ bulkhead: { concurrency: 1, queue: 0 } });
  let release!: () => void;
  const first = p.execute(() => new Promise<void>((resolve) => (release = resolve)));
  await expect(p.execute(async () => 'second')).rejects.toMatchObject({ why: 'bulkhead_full' });
  release();
  await first;
});

/**
 * A decider (after Emmett's typing): decisions are events computed from a command and the state,
 * and the state is only ever the fold of those events. So state can be rebuilt by replay.
 *
 * evolve takes ownership of the state it is given and may update it in place: a batch of 10,000
 * events would otherwise copy every index 10,000 times. Callers never reuse the old reference.
 */
export interface Decider<Command, State, Event, Rules> {
  decide(command: Command, state: State, rules: Rules): Event[];
  evolve(state: State, event: Event, rules: Rules): State;
  initialState(): State;
}

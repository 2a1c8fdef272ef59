/**
 * The demo's self-check while the story runs: every event the service records must be one
 * that the current step of the story expects (`StoryStep.events`). An event belongs to the
 * step acted last before its wall time. The first unexpected event fails the demo at once.
 * Once the story has ended (`end`), events are no longer judged: with `--keep` the user acts.
 */
import { eventWhat, type HistoryEvent } from '../status';
import { eventSentence } from '../words';
import { START_EVENTS, type StoryStep } from './story';

export class StoryCheck {
  readonly problems: string[] = [];
  /** Resolves with the first problem. */
  readonly failed: Promise<string>;
  private fail: (problem: string) => void = () => undefined;
  private readonly acts: { step: number; wallMs: number }[] = [];
  private over = false;

  constructor(private readonly steps: readonly StoryStep[]) {
    this.failed = new Promise<string>((resolve) => (this.fail = resolve));
  }

  /** Step `index` (into `steps`) acts now: call just before it acts. */
  acting(index: number, wallMs = Date.now()): void {
    this.acts.push({ step: index, wallMs });
  }

  /** The story is over: what happens from now on is not the story's. */
  end(): void {
    this.over = true;
  }

  /** Check one event; returns the problem, or null when the story expects it (or is over). */
  event(e: HistoryEvent): string | null {
    if (this.over) return null;
    const wall = Date.parse(e.wallTime);
    let step = -1;
    for (const a of this.acts) if (a.wallMs <= wall) step = a.step;
    const allowed = step < 0 ? START_EVENTS : this.steps[step].events;
    const what = eventWhat(e);
    if (allowed.includes(what)) return null;
    const during = step < 0 ? 'start-up' : `step ${step + 1} ("${this.steps[step].title}")`;
    const problem = `unexpected event during ${during}: ${eventSentence(e)}`;
    this.problems.push(problem);
    this.fail(problem);
    return problem;
  }
}

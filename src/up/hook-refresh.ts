// A running `up` keeps the shell hook's cached answers of its project fresh: when .env, devenv.json or
// the git HEAD changes, it renders them again at once, so entering the project at the next prompt
// reads an answer instead of starting node. Only answers it has proven to render as the hook does.
import { DOTENV_FILE } from '../project/dotenv-file.js';
import { CONFIG_FILE } from '../project/root.js';
import { HookAnswers } from '../shell/answer-refresh.js';
import { trace } from '../util/trace.js';
import { GIT_HEAD } from './config-reload.js';

/** What the hook's answer is made from, among the files `up` watches. */
const HOOK_INPUTS = [DOTENV_FILE, CONFIG_FILE, GIT_HEAD];

export class HookRefresh {
  private answers: HookAnswers | null = null;

  constructor(private readonly realRoot: string) {}

  /** At the start of `up`, before any change is watched: find the answers it may render. */
  start(): void {
    this.answers = HookAnswers.verify(this.realRoot);
    trace(`shell hook answers kept fresh: ${this.answers.size}`);
  }

  /** A watched file changed: render at once, and again until the hook takes the answers (a burst: the last edit). */
  touched(file: string): void {
    const answers = this.answers;
    if (!answers?.size || !HOOK_INPUTS.includes(file)) return;
    void answers.settle().then((taken) => trace(`shell hook answers rendered after ${file} changed (taken: ${taken})`));
  }
}

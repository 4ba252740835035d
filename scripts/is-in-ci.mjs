// Stands in for is-in-ci in the bundle. Ink asks it once, at import, and in "CI" draws nothing
// until the app exits. The tutor draws only on a terminal, so a learner (or a test in tmux) whose
// shell happens to export CI=true must still see it: "in CI" here means CI is set and there is
// no terminal.
import { env, stdout } from 'node:process';

const set = (key) => key in env && env[key] !== '0' && env[key] !== 'false';

export default (set('CI') || set('CONTINUOUS_INTEGRATION')) && stdout.isTTY !== true;

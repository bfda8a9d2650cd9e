// Entry of the noble worker threads when the service runs from its TypeScript sources (tests,
// `npm start` through tsx). On Node 20 a worker thread does not inherit the module hooks that
// `--import tsx` installs in the main thread, so this file installs them itself, then loads the
// worker. The compiled build (dist/) starts noble-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./noble-worker.ts');
export default worker.default;

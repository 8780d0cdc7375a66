import { readFileSync } from 'node:fs';
import { packageRoot } from './paths.js';
import path from 'node:path';

/** The app version from package.json; stored with every run so results can be reproduced. */
export const APP_VERSION: string = (
  JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;

export const APP_NAME = 'OCT DINO Studio';

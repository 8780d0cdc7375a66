/**
 * The one error path of the UI: every failure a user should know about goes through
 * `handleError(err, message)` and shows up as a dismissible banner with the core's error code.
 */
import { ApiClientError } from '../api/api-client-error.js';

export interface ShownError {
  id: number;
  /** What the user was doing, e.g. "Could not open the project". */
  message: string;
  /** The underlying reason, as the core or the browser put it. */
  detail: string;
  /** The core's error code (`not_a_project`, `disconnected`, ...), or `error` for anything else. */
  code: string;
}

const MAX_SHOWN = 5;

export class ErrorsState {
  #errors = $state<ShownError[]>([]);
  #nextId = 1;

  get list(): readonly ShownError[] {
    return this.#errors;
  }

  handleError(err: unknown, message: string): void {
    const code = err instanceof ApiClientError ? err.code : 'error';
    const detail = err instanceof Error ? err.message : String(err);
    // Keep the newest few: a flapping connection must not bury the page in banners.
    this.#errors = [...this.#errors, { id: this.#nextId++, message, detail, code }].slice(-MAX_SHOWN);
  }

  dismiss(id: number): void {
    this.#errors = this.#errors.filter((error) => error.id !== id);
  }
}

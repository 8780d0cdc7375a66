/**
 * Typed errors of the project store. Each one names what happened and what the user can do;
 * the API edge turns them into `{ code, message }` for every transport.
 */
export type ProjectErrorCode =
  | 'not_found'
  | 'not_a_directory'
  | 'not_a_project'
  | 'already_a_project'
  | 'newer_schema'
  | 'corrupt_database';

export class ProjectError extends Error {
  override readonly name = 'ProjectError';
  constructor(
    readonly code: ProjectErrorCode,
    message: string,
  ) {
    super(message);
  }
}

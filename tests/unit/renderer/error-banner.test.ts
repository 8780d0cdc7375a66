import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ErrorBanner from '../../../renderer/src/features/shell/ErrorBanner.svelte';

afterEach(() => cleanup());

describe('ErrorBanner', () => {
  it('shows what failed, why, and the code, and can be dismissed', async () => {
    const onDismiss = vi.fn();
    render(ErrorBanner, {
      errors: [{ id: 3, message: 'Could not open the project', detail: '/x is not a project.', code: 'not_a_project' }],
      onDismiss,
    });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not open the project');
    expect(alert).toHaveTextContent('/x is not a project.');
    expect(alert).toHaveTextContent('not_a_project');
    await fireEvent.click(screen.getByRole('button', { name: /Dismiss/ }));
    expect(onDismiss).toHaveBeenCalledWith(3);
  });
});

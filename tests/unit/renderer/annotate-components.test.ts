import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import AgreementView from '../../../renderer/src/features/annotate/AgreementView.svelte';
import LabelList from '../../../renderer/src/features/annotate/LabelList.svelte';
import type { ImageLabel } from '../../../renderer/src/lib/annotate/types.js';
import { createServices } from '../../../renderer/src/lib/state/services.js';
import { fakeAnnotationCore, MULTI } from './annotate-fixture.js';
import { fakeClient } from './fake-transport.js';
import ServicesHarness from './ServicesHarness.svelte';

afterEach(() => cleanup());

describe('LabelList', () => {
  it('shows each label with its key, my value, what training uses and the others’ values; a click toggles', async () => {
    const onToggle = vi.fn();
    const drt: ImageLabel = {
      labelId: 11,
      name: 'DRT',
      mine: 'absent',
      effective: { value: 'present', source: 'adjudication', annotator: 'Cy (adjudication)' },
      all: [
        { annotator: 'Ada', source: 'human', value: 'absent' },
        { annotator: 'Bo', source: 'human', value: 'present' },
        { annotator: 'Cy (adjudication)', source: 'adjudication', value: 'present' },
      ],
    };
    const irf: ImageLabel = { labelId: 12, name: 'IRF', mine: null, effective: { value: 'absent', source: 'import', annotator: 'labels.csv' }, all: [{ annotator: 'labels.csv', source: 'import', value: 'absent' }] };
    render(LabelList, { labels: [{ label: drt, value: 'absent' }, { label: irf, value: null }], kind: 'multi_label', selected: 1, adjudicate: false, me: 'Ada', onToggle });
    const rows = screen.getAllByTestId('label-row');
    expect(within(rows[0]!).getByText('1')).toBeInTheDocument();
    expect(within(rows[0]!).getByTestId('label-value')).toHaveTextContent('✗ absent');
    expect(within(rows[0]!).getByTestId('label-effective')).toHaveTextContent('present, adjudicated by Cy');
    expect(rows[0]).toHaveTextContent('Others: Bo present');
    expect(rows[0]).not.toHaveTextContent('Ada absent');
    expect(within(rows[1]!).getByTestId('label-effective')).toHaveTextContent('absent (imported, labels.csv)');
    expect(rows[1]).toHaveClass('selected');
    await fireEvent.click(within(rows[1]!).getByRole('button'));
    expect(onToggle).toHaveBeenCalledWith(1);
  });
});

describe('AgreementView', () => {
  it("shows Cohen's kappa per pair, Fleiss' for three annotators, and opens a disagreement for adjudication", async () => {
    const { transport, api } = fakeClient();
    fakeAnnotationCore(transport, [MULTI]);
    transport.answer('labels.stats', []).answer('annotations.queue', null).answer('annotations.resolution', { bySource: {}, unresolvedDisagreements: 1 });
    transport.answer('annotations.agreement', [
      {
        label: 'DRT',
        annotators: ['Ada', 'Bo', 'Cy'],
        pairs: [
          { annotators: ['Ada', 'Bo'], items: 4, kappa: 0.5, percentAgreement: 0.75 },
          { annotators: ['Ada', 'Cy'], items: 4, kappa: 1, percentAgreement: 1 },
          { annotators: ['Bo', 'Cy'], items: 4, kappa: null, percentAgreement: 0.75 },
        ],
        group: { annotators: ['Ada', 'Bo', 'Cy'], items: 4, kappa: 0.6, percentAgreement: 0.75 },
        disagreements: [{ imageId: 8, values: [{ annotator: 'Ada', value: 'present' }, { annotator: 'Bo', value: 'absent' }, { annotator: 'Cy', value: 'present' }] }],
      },
      { label: 'IRF', annotators: ['Ada'], pairs: [], group: null, disagreements: [] },
    ]);
    const services = createServices(api, window);
    await services.annotate.activate();
    await services.annotate.chooseAnnotator('Ada');
    const onAdjudicate = vi.fn();
    render(ServicesHarness, { props: { services, component: AgreementView as unknown as Component<Record<string, unknown>>, props: { onAdjudicate } } });
    await waitFor(() => expect(screen.getAllByTestId('pair-kappa')).toHaveLength(3));
    expect(screen.getAllByTestId('pair-kappa').map((c) => c.textContent)).toEqual(['0.500', '1.000', 'undefined']);
    expect(screen.getByTestId('group-kappa')).toHaveTextContent('0.600');
    expect(screen.getByText('Fewer than two annotators labelled this.')).toBeInTheDocument();
    const disagreement = screen.getByTestId('disagreement');
    expect(disagreement).toHaveTextContent('Image 8: Ada present · Bo absent · Cy present');
    await fireEvent.click(disagreement);
    expect(onAdjudicate).toHaveBeenCalledWith([8], 0);
  });
});

/** The Annotate view's shapes, derived from the core's contract (never declared twice). */
import type { ApiResult } from '../../../../src-main/api/types.js';

export type LabelSet = ApiResult<'labelSets.list'>[number];
export type LabelSetKind = LabelSet['kind'];
export type Annotator = ApiResult<'annotators.ensure'>;
export type ImageLabel = ApiResult<'annotations.image'>[number];
export type AnnotationValue = NonNullable<ImageLabel['mine']>;
export type AnnotationChange = ApiResult<'annotations.set'>[number];
export type LabelAgreement = ApiResult<'annotations.agreement'>[number];
export type Resolution = ApiResult<'annotations.resolution'>;
export type Queue = NonNullable<ApiResult<'annotations.queue'>>;
export type QueueStrategy = 'random' | 'typiclust' | 'k-center' | 'entropy' | 'margin';
export type LabelSetStats = ApiResult<'labels.stats'>[number];

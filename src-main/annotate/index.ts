/**
 * Annotation support that needs no database: inter-annotator agreement (Cohen's and Fleiss'
 * kappa, disagreements) and active selection of the images to label next.
 */
export { AnnotateInputError } from './errors.js';
export { cohenKappa, countRatings, fleissKappa, fleissKappaOfRatings, percentAgreement, type Category } from './kappa.js';
export {
  agreementByLabel,
  compareAnnotators,
  type AgreementReport,
  type AnnotatorKey,
  type Disagreement,
  type GroupAgreement,
  type LabelAgreement,
  type LabelRating,
  type PairAgreement,
  type Rating,
} from './agreement.js';
export * from './selection/index.js';

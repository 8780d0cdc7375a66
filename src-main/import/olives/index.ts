/** The OLIVES import source: layout, label files, matching, official splits. */
export { readBiomarkerTable, readClinicalRows, type BiomarkerTable, type LabelRow } from './labels.js';
export { walkOlivesTree, type OlivesImage, type OlivesTree } from './layout.js';
export { OLIVES_LABEL_SET_NAME, planOlivesImport, type OlivesPlan, type OlivesPlanOptions } from './match.js';
export { locateOlivesPath, type OlivesLocation, type OlivesPathResult, type OlivesTrial } from './olives-path.js';
export { readOlivesSplit, type OlivesSplit, type SplitPart } from './split.js';

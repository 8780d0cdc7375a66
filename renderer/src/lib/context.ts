/** Type-safe context for the app's services: set once by App.svelte, read by any view. */
import { createContext } from 'svelte';
import type { Services } from './state/services.js';

export const [getServices, setServices] = createContext<Services>();

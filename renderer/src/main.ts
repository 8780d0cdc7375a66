/** Renderer entry: strip the token from the address bar, build the services, mount the shell. */
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { createApiClient, removeTokenFromAddressBar } from './lib/api/index.js';
import { createServices, startServices } from './lib/state/services.js';

removeTokenFromAddressBar();
const services = createServices(createApiClient());
startServices(services);

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount the UI in');
mount(App, { target, props: { services } });

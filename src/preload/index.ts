/**
 * Exposes exactly the contract as window.keyward: one named method per call, each bound to its own
 * channel. No generic invoke, no ipcRenderer, nothing else crosses.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { callNames, channelOf } from '../shared/call-names';

const api = Object.fromEntries(
  callNames.map((name) => [name, (request: unknown) => ipcRenderer.invoke(channelOf(name), request)]),
);

contextBridge.exposeInMainWorld('keyward', Object.freeze(api));

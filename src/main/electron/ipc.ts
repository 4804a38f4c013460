/** Binds every contract call to ipcMain, each behind the sender-frame check. */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { callNames, channelOf } from '../../shared/call-names';
import type { Handlers } from '../../shared/contract';
import { dispatch, forbiddenSender } from '../api/dispatch';
import { isAppUrl } from './window';

export function bindIpc(window: () => BrowserWindow | undefined, handlers: Handlers): void {
  for (const name of callNames) {
    ipcMain.handle(channelOf(name), (event: IpcMainInvokeEvent, payload: unknown) => {
      const frame = event.senderFrame;
      const main = window()?.webContents.mainFrame;
      if (!frame || !main || frame !== main || !isAppUrl(frame.url)) {
        return forbiddenSender(frame ? frame.url : 'a frame that no longer exists');
      }
      return dispatch(handlers, name, payload);
    });
  }
}

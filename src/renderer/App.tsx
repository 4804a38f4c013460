import { useEffect } from 'react';
import { rehearsalToken } from '../shared/rehearsal';
import { RehearsalBanner } from './components/RehearsalBanner';
import { StatusBar } from './components/StatusBar';
import { AuditScreen } from './screens/AuditScreen';
import { CeremoniesScreen } from './screens/CeremoniesScreen';
import { HelpScreen } from './screens/HelpScreen';
import { KeysScreen } from './screens/KeysScreen';
import { OfficersScreen } from './screens/OfficersScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { StartScreen } from './screens/StartScreen';
import { useApp, type Screen } from './store';

const screens: { id: Screen; title: string }[] = [
  { id: 'start', title: 'Home' },
  { id: 'ceremonies', title: 'Ceremonies' },
  { id: 'keys', title: 'Keys' },
  { id: 'officers', title: 'Officers' },
  { id: 'audit', title: 'Audit log' },
  { id: 'settings', title: 'Settings' },
  { id: 'help', title: 'Help' },
];

export function App() {
  const screen = useApp((s) => s.screen);
  const show = useApp((s) => s.show);
  const status = useApp((s) => s.status);
  const refreshStatus = useApp((s) => s.refreshStatus);

  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);

  const rehearsal = status.state === 'ready' && status.value.rehearsal;

  useEffect(() => {
    document.title = rehearsal ? `Keyward: ${rehearsalToken.banner}` : 'Keyward';
  }, [rehearsal]);

  return (
    <div className="app">
      {/* The header stays on screen while a long form scrolls: the status bar is always visible. */}
      <header className="app-header">
        <div className="topbar">
          <span className="brand">Keyward</span>
          <nav aria-label="Screens">
            {screens.map((s) => (
              <button
                key={s.id}
                type="button"
                className="nav-button"
                aria-current={screen === s.id ? 'page' : undefined}
                onClick={() => show(s.id)}
              >
                {s.title}
              </button>
            ))}
          </nav>
        </div>
        <StatusBar />
      </header>
      <main className="content">
        {status.state === 'ready' && status.value.rehearsal && <RehearsalBanner settings={status.value.settings} />}
        {screen === 'start' && <StartScreen />}
        {screen === 'ceremonies' && <CeremoniesScreen />}
        {screen === 'keys' && <KeysScreen />}
        {screen === 'officers' && <OfficersScreen />}
        {screen === 'audit' && <AuditScreen />}
        {screen === 'settings' && <SettingsScreen />}
        {screen === 'help' && <HelpScreen />}
      </main>
    </div>
  );
}

'use client';
// "Send to PACS": C-STORE of the whole study to an enabled remote AE (storeToRemoteAe), with a
// destination picker over remoteAeDestinations. Shown only to callers who may send.
import { useEffect, useState } from 'react';
import { errorText, gql } from '../../../lib/graphql';
import { useSession } from '../../../lib/session';

interface Destination { id: string; aeTitle: string; description: string }
interface Result { aeTitle: string; instances: number; completed: number; warning: number }

export function SendToPacs({ studyUid }: { studyUid: string }) {
  const { viewer } = useSession();
  const allowed = viewer?.permissions.includes('remoteAe:send') ?? false;
  const [destinations, setDestinations] = useState<Destination[] | null>(null);
  const [target, setTarget] = useState('');
  const [state, setState] = useState<'idle' | 'sending'>('idle');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!allowed) return;
    gql<{ remoteAeDestinations: Destination[] }>('{ remoteAeDestinations { id aeTitle description } }').then((d) => {
      setDestinations(d.remoteAeDestinations);
      if (d.remoteAeDestinations.length === 1) setTarget(d.remoteAeDestinations[0].id);
    }, (e) => setError(errorText(e)));
  }, [allowed]);
  if (!allowed) return null;
  const send = async () => {
    setState('sending');
    setError(null);
    setResult(null);
    try {
      setResult((await gql<{ storeToRemoteAe: Result }>('mutation($i: StoreToRemoteAeInput!) { storeToRemoteAe(input: $i) { aeTitle instances completed warning } }', {
        i: { remoteAeId: target, studyInstanceUid: studyUid },
      })).storeToRemoteAe);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setState('idle');
    }
  };
  return (
    <div className="card filters" data-testid="send-to-pacs">
      <label>Send to PACS
        <select value={target} onChange={(e) => setTarget(e.target.value)} disabled={!destinations?.length} data-testid="send-destination">
          <option value="">{destinations?.length === 0 ? 'no remote AE configured' : 'choose a destination…'}</option>
          {destinations?.map((d) => <option key={d.id} value={d.id}>{d.aeTitle}{d.description ? ` — ${d.description}` : ''}</option>)}
        </select>
      </label>
      <button type="button" onClick={() => void send()} disabled={!target || state === 'sending'} data-testid="send-to-pacs-button">{state === 'sending' ? 'Sending…' : 'Send study'}</button>
      {result && <span className="ok" data-testid="send-result"> {result.completed + result.warning} of {result.instances} instances stored by {result.aeTitle}</span>}
      {error && <span className="error-inline" role="alert" data-testid="send-error"> {error}</span>}
    </div>
  );
}

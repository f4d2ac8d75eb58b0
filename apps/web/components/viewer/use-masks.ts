// Masks of the slices around the one on screen, fetched once each and kept by SOP Instance UID.
import { useEffect, useRef, useState } from 'react';
import { fetchMask, type SliceMask } from '../../lib/viewer/dicomweb';

const NEIGHBOURS = 2;

export interface MaskCache {
  /** undefined: not known yet; null: the slice has no mask (or it failed to load). */
  get(sopInstanceUid: string): SliceMask | null | undefined;
  failed(sopInstanceUid: string): boolean;
}

export function useMasks(enabled: boolean, version: number | undefined, instanceUids: string[], currentIndex: number): MaskCache {
  const masks = useRef(new Map<string, SliceMask | null>());
  const failures = useRef(new Set<string>());
  const inFlight = useRef(new Set<string>());
  const abort = useRef(new AbortController());
  const [, setArrived] = useState(0);

  // A new mask version invalidates everything fetched for the old one.
  useEffect(() => {
    const controller = new AbortController();
    abort.current = controller;
    masks.current = new Map();
    failures.current = new Set();
    inFlight.current = new Set();
    setArrived((n) => n + 1);
    return () => controller.abort();
  }, [version]);

  useEffect(() => {
    if (!enabled) return;
    const wanted = [currentIndex];
    for (let d = 1; d <= NEIGHBOURS; d++) wanted.push(currentIndex + d, currentIndex - d);
    for (const index of wanted) {
      const sopInstanceUid = instanceUids[index];
      if (!sopInstanceUid || masks.current.has(sopInstanceUid) || inFlight.current.has(sopInstanceUid)) continue;
      const controller = abort.current;
      const target = masks.current;
      inFlight.current.add(sopInstanceUid);
      fetchMask(sopInstanceUid, version, controller.signal).then((mask) => {
        target.set(sopInstanceUid, mask);
      }, () => {
        if (controller.signal.aborted) return;
        failures.current.add(sopInstanceUid);
        target.set(sopInstanceUid, null);
      }).finally(() => {
        if (controller.signal.aborted) return;
        inFlight.current.delete(sopInstanceUid);
        setArrived((n) => n + 1);
      });
    }
  }, [enabled, version, instanceUids, currentIndex]);

  return {
    get: (sopInstanceUid) => masks.current.get(sopInstanceUid),
    failed: (sopInstanceUid) => failures.current.has(sopInstanceUid),
  };
}

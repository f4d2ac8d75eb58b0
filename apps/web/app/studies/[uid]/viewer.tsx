'use client';
// The study page's viewer: a Cornerstone3D stack viewport per series.
import { StackViewer } from '../../../components/cornerstone/StackViewer';

export function Viewer({ studyUid, seriesUid, instanceUids }: { studyUid: string; seriesUid: string; instanceUids: string[] }) {
  return <StackViewer studyUid={studyUid} seriesUid={seriesUid} instanceUids={instanceUids} />;
}

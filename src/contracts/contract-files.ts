/** Registry subjects follow TopicNameStrategy: <topic>-value. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export const AD_EVENT_SCHEMAS = [
  'ad-events/ad-event.v1.avsc',
  'ad-events/ad-event.v2.avsc',
] as const;

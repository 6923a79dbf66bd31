import { z } from 'zod';

/** Where one webhook delivery stands: waiting, sent, given up, or stopped by the receiver (410). */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'disabled'] as const;

/**
 * One webhook delivery record, for deployment and job events alike: the one declaration of its
 * fields. `event` is the event type set of the document it lives on.
 */
export function deliverySchema<E extends z.ZodType<string>>(event: E) {
  return z.object({
    event,
    id: z.string(),
    occurred_at: z.iso.datetime(),
    attempts: z.int().nonnegative(),
    status: z.enum(DELIVERY_STATUSES),
    last_attempt_at: z.iso.datetime().nullable(),
    last_status_code: z.int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.iso.datetime().nullable(),
    /** Set while one attempt is being sent, so a duplicate task does not send it again. */
    sending_until: z.iso.datetime().nullable(),
  });
}

/** The fields a delivery attempt reads and writes, whatever the document (deployment or job). */
export type DeliveryRecord = Omit<z.infer<ReturnType<typeof deliverySchema>>, 'event'>;

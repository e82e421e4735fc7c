package io.flashsale.topology;

import io.flashsale.schemas.PurchaseRequest;

/**
 * A request waiting for its lottery's draw, with its place in the request log (record and index in its batch): the outcome reports
 * it, and the draw orders entries by it before shuffling.
 */
record LotteryEntry(PurchaseRequest request, int requestPartition, long requestOffset, int requestIndex) {}

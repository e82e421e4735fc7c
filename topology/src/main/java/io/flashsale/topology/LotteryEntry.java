package io.flashsale.topology;

import io.flashsale.schemas.PurchaseRequest;

/**
 * A user's lottery ticket waiting for its draw: the request, with its place in the request log (record and index in
 * its batch), which the outcome reports and which bounds the entries the published draw covers.
 */
record LotteryEntry(PurchaseRequest request, int requestPartition, long requestOffset, int requestIndex) {}

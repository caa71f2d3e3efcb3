"""The analyze step: coding answers, tallies, estimates, comparisons, scales, rates, network."""

"""What the annual cycle starts each year from: amounts, and last year's arrears."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from temporalio.exceptions import ApplicationError

from activities.records import cycle_amounts
from domain.cycle import CycleInput
from domain.events import NewEvent


def test_last_years_unpaid_balances_become_arrears(event_log):
    for state, carried in (("ITA", "1200.00"), ("DEU", "0.00")):
        event_log.append(NewEvent(idempotency_key=f"chase-2016-{state}/year-end", workflow_id=f"chase-2016-{state}",
                                  subject=state, event_type="chase.closed_in_arrears",
                                  occurred_at=datetime(2017, 1, 1, tzinfo=timezone.utc),
                                  payload={"arrears_carried": carried}))
    result = cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nITA,38486\nDEU,65604\n", year=2017))
    assert result.amounts == {"ITA": Decimal("38486.00"), "DEU": Decimal("65604.00")}
    assert result.arrears == {"ITA": Decimal("1200.00")}
    assert cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nITA,1\n", year=2018)).arrears == {}


def test_a_budget_and_scale_give_every_state_party_an_amount(event_log):
    result = cycle_amounts(event_log, CycleInput(budget="500000", scale_csv="state,rate\nDEU,6.389\n", year=2017))
    assert len(result.amounts) == 100 and sum(result.amounts.values()) == Decimal("500000.00")


def test_a_configuration_that_cannot_work_fails_without_retrying(event_log):
    with pytest.raises(ApplicationError, match="unknown State 'Atlantis'") as err:
        cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nAtlantis,5\n", year=2017))
    assert err.value.non_retryable

"""A catalog academy's display_order fits its INTEGER column: refused on its row when the plan is made."""

from __future__ import annotations

import pytest

from tests.academies.builders import academy, academy_count, sync_file


@pytest.mark.parametrize(("order", "refused"), [(2**31 - 1, False), (2**31, True), (-(2**31) - 1, True)])
def test_display_order_beyond_32_bits_is_a_row_error(runner, tmp_path, world, order, refused):
    data = sync_file(runner, tmp_path, [{"name": "Ranged", "display_order": order}, {"name": "Fine"}])
    if refused:
        assert data["counts"]["error"] == 1 and data["counts"]["create"] == 1
        assert "display_order must be between -2147483648 and 2147483647" in data["rows"][0]["message"]
        assert academy("Ranged") is None and academy_count() == 1
    else:
        assert data["counts"]["create"] == 2 and academy("Ranged").display_order == order

"""History tables without declared foreign keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:42:01

models, model_inputs, prices and model_attributes take tens of thousands of rows per
catalog, and PostgreSQL checks each foreign key with a trigger per row: writing the
40,000 rows of a 10,000-model catalog took 0.63 s of server time with them and 0.18 s
without. The columns keep naming providers and catalog versions; only the store writes
these tables, in the transaction that inserted the version its rows name, and a test
checks that no row names a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_attributes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_model_attributes_opened_in_version_id_catalog_versions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_model_attributes_closed_in_version_id_catalog_versions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_model_attributes_provider_id_providers"), type_="foreignkey"
        )

    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_model_inputs_opened_in_version_id_catalog_versions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_model_inputs_closed_in_version_id_catalog_versions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_model_inputs_provider_id_providers"), type_="foreignkey"
        )

    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_models_provider_id_providers"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_models_opened_in_version_id_catalog_versions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_models_closed_in_version_id_catalog_versions"), type_="foreignkey"
        )

    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_prices_provider_id_providers"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_prices_opened_in_version_id_catalog_versions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_prices_closed_in_version_id_catalog_versions"), type_="foreignkey"
        )


def downgrade() -> None:
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_prices_closed_in_version_id_catalog_versions"),
            "catalog_versions",
            ["closed_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_prices_opened_in_version_id_catalog_versions"),
            "catalog_versions",
            ["opened_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_prices_provider_id_providers"), "providers", ["provider_id"], ["id"]
        )

    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_models_closed_in_version_id_catalog_versions"),
            "catalog_versions",
            ["closed_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_models_opened_in_version_id_catalog_versions"),
            "catalog_versions",
            ["opened_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_models_provider_id_providers"), "providers", ["provider_id"], ["id"]
        )

    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_model_inputs_provider_id_providers"),
            "providers",
            ["provider_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_model_inputs_closed_in_version_id_catalog_versions"),
            "catalog_versions",
            ["closed_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_model_inputs_opened_in_version_id_catalog_versions"),
            "catalog_versions",
            ["opened_in_version_id"],
            ["id"],
        )

    with op.batch_alter_table("model_attributes", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_model_attributes_provider_id_providers"),
            "providers",
            ["provider_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_model_attributes_closed_in_version_id_catalog_versions"),
            "catalog_versions",
            ["closed_in_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_model_attributes_opened_in_version_id_catalog_versions"),
            "catalog_versions",
            ["opened_in_version_id"],
            ["id"],
        )

-- +goose Up
-- blobs records every file in the blob store: installers uploaded for software versions.
CREATE TABLE blobs (
    sha256     text PRIMARY KEY,
    size       integer NOT NULL,
    name       text NOT NULL DEFAULT '',
    tenant_id  text REFERENCES tenants (id) ON DELETE SET NULL,
    created_at timestamp NOT NULL
);

-- Catalog items are global (is_global), the MSP's (tenant_id NULL) or one tenant's. A tenant
-- with catalog items cannot be deleted until they are. item_id names the software or task an
-- inline script was given with; the script is removed with it.
CREATE TABLE catalog_scripts (
    id              text PRIMARY KEY,
    is_global       boolean NOT NULL DEFAULT 0,
    tenant_id       text REFERENCES tenants (id) ON DELETE RESTRICT,
    item_id         text,
    name            text NOT NULL,
    language        text NOT NULL,
    context         text NOT NULL,
    timeout_seconds integer NOT NULL,
    body            text NOT NULL,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL
);
CREATE UNIQUE INDEX catalog_scripts_owner_name
    ON catalog_scripts (is_global, coalesce(tenant_id, ''), lower(name));
CREATE INDEX catalog_scripts_item ON catalog_scripts (item_id);

CREATE TABLE tasks (
    id                 text PRIMARY KEY,
    is_global          boolean NOT NULL DEFAULT 0,
    tenant_id          text REFERENCES tenants (id) ON DELETE RESTRICT,
    name               text NOT NULL,
    description        text NOT NULL DEFAULT '',
    get_script_id      text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    set_script_id      text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    test_script_id     text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    combined_script_id text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    parameters         text NOT NULL DEFAULT '[]',
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL
);
CREATE UNIQUE INDEX tasks_owner_name ON tasks (is_global, coalesce(tenant_id, ''), lower(name));

CREATE TABLE software (
    id                  text PRIMARY KEY,
    is_global           boolean NOT NULL DEFAULT 0,
    tenant_id           text REFERENCES tenants (id) ON DELETE RESTRICT,
    name                text NOT NULL,
    publisher           text NOT NULL DEFAULT '',
    description         text NOT NULL DEFAULT '',
    detect_method       text NOT NULL,
    detect_match        text NOT NULL DEFAULT '',
    detect_pattern      text NOT NULL DEFAULT '',
    detect_script_id    text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    install_script_id   text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    uninstall_script_id text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    upgrade_script_id   text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    repair_script_id    text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    test_script_id      text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    upgrade_strategy    text NOT NULL,
    reboot_needed       boolean NOT NULL DEFAULT 0,
    config_task_id      text REFERENCES tasks (id) ON DELETE RESTRICT,
    prerequisites       text NOT NULL DEFAULT '[]',
    created_at          timestamp NOT NULL,
    updated_at          timestamp NOT NULL
);
CREATE UNIQUE INDEX software_owner_name
    ON software (is_global, coalesce(tenant_id, ''), lower(name));

CREATE TABLE software_versions (
    id                  text PRIMARY KEY,
    software_id         text NOT NULL REFERENCES software (id) ON DELETE CASCADE,
    version             text NOT NULL,
    installer_sha256    text NOT NULL DEFAULT '',
    installer_name      text NOT NULL DEFAULT '',
    installer_size      integer NOT NULL DEFAULT 0,
    installer_url       text NOT NULL DEFAULT '',
    install_script_id   text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    uninstall_script_id text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    upgrade_script_id   text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    repair_script_id    text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    test_script_id      text REFERENCES catalog_scripts (id) ON DELETE RESTRICT,
    reboot_needed       boolean NOT NULL DEFAULT 0,
    created_at          timestamp NOT NULL
);
CREATE UNIQUE INDEX software_versions_key ON software_versions (software_id, version);
CREATE INDEX software_versions_blob ON software_versions (installer_sha256);

-- +goose Down
DROP TABLE software_versions;
DROP TABLE software;
DROP TABLE tasks;
DROP TABLE catalog_scripts;
DROP TABLE blobs;

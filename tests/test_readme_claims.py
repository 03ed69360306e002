"""Every README claim about security, errors and the event stream has a test: README sentence
fragment → the tests that show it (kept by hand). A claim added without a test, or a test
renamed away, fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = " ".join((ROOT / "README.md").read_text().split())

CLAIMS: dict[str, list[str]] = {
    # the server extension: security
    "Every verb is `@web.authenticated` and `@authorized`": [
        "test_security.py::test_every_handler_is_authenticated_and_authorized",
        "test_security.py::test_anonymous_requests_are_refused",
    ],
    "XSRF stays on for cookie-authenticated requests": [
        "test_security.py::test_xsrf_is_enforced_for_cookie_posts"
    ],
    "ids must be UUIDs and bodies are validated before any upstream call": [
        "test_server.py::test_malformed_ids_never_reach_runai",
        "test_server.py::test_bad_bodies_name_the_field_and_change_nothing",
    ],
    "anything else under the prefix": [
        "test_server.py::test_unknown_ids_and_routes_are_json_404",
        "test_server.py::test_the_prefix_spelled_otherwise_is_json_404_too",
    ],
    "cookies and Authorization header are never forwarded": [
        "test_security.py::test_browser_credentials_are_not_forwarded"
    ],
    "never appear in an answer, a log line, an exception or a kernel's environment": [
        "test_security.py::test_secrets_never_leak"
    ],
    "hides its `/proc/<pid>` entries": [
        "test_security.py::test_what_a_kernel_can_read_of_a_secret_given_in_the_environment"
    ],
    "A launcher that stays holds what it passed on": [
        "test_security.py::test_what_a_kernel_can_read_of_a_secret_given_in_the_environment"
    ],
    # secrets (the paragraph above the API table)
    "the file is read at start and again when Run:ai refuses what it held": [
        "test_client.py::test_a_secret_file_is_read_again_when_run_ai_refuses_it",
        "test_client.py::test_a_bearer_token_file_is_read_again_when_refused",
    ],
    "a file that other users can read gets a warning naming its mode": [
        "test_client.py::test_secret_files_unreadable_empty_or_open_to_others"
    ],
    "the server says so once in its log, naming that process": [
        "test_security.py::test_what_a_kernel_can_read_of_a_secret_given_in_the_environment"
    ],
    "hub mode keeps shared secrets out of user servers entirely": [
        "test_hub.py::test_no_run_ai_secret_in_any_user_process_or_log",
        "test_hub_isolation.py::test_no_file_or_process_a_user_can_read_holds_the_secret",
    ],
    "writes one audit line to the server log": [
        "test_server.py::test_workspace_lifecycle",
        "test_server.py::test_audit_lines_cannot_be_forged_and_name_what_was_made",
    ],
    "terminals do not get it": ["test_notebook.py::test_terminals_do_not_get_the_kernel_token"],
    # the panel
    "1.5 is refused next to the field, never rounded": [
        "test_ui_panel_flows.py::test_every_error_shows_at_once_beside_its_field_and_create_says_why_not",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "a double click creates once": [
        "test_ui_panel_flows.py::test_double_clicking_create_makes_one_workspace_and_says_created",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "It reads well from about 700 px wide, in the light and dark themes": [
        "test_ui_panel_flows.py::test_the_list_reads_well_from_700_px_in_both_themes",
        "test_panel.py::test_every_colour_keeps_4_5_to_1_in_both_themes",
    ],
    "changes its state only on the kernel's event loop": [
        "test_panel.py::test_updates_arrive_without_running_a_cell_on_the_kernels_loop"
    ],
    "it is live again within seconds after Run:ai recovers": [
        "test_panel.py::test_after_an_outage_the_panel_is_live_again_promptly"
    ],
    # slow clients
    "keeps at most 64 undelivered events": [
        "test_events.py::test_a_subscriber_that_does_not_read_costs_bounded_memory"
    ],
    "a stream whose client takes nothing for 30 s is closed": [
        "test_events.py::test_a_stream_whose_client_stopped_reading_is_closed"
    ],
    # errors
    "`{message, reason, upstream_status}` (plus `issues` for 400s": [
        "test_server.py::test_bad_bodies_name_the_field_and_change_nothing",
        "test_properties.py",
    ],
    "upstream 400 → 400 with Run:ai's compliance issues": [
        "test_server.py::test_upstream_compliance_issues_are_passed_on"
    ],
    "404 → 404": ["test_server.py::test_unknown_ids_and_routes_are_json_404"],
    "409 → 409": ["test_server.py::test_conflict"],
    "502 `credentials_rejected`": ["test_server.py::test_credentials_rejected_names_the_setting"],
    "Run:ai unreachable → 502": ["test_server.py::test_unreachable_is_502"],
    "timeout → 504": ["test_server.py::test_upstream_timeout_is_504"],
    "503 with `Retry-After`": ["test_server.py::test_upstream_busy_is_503_with_retry_after"],
    "not configured → 503": [
        "test_server.py::test_not_configured_server_still_starts_and_says_how"
    ],
    # the poller
    "20 open views cost one upstream list call per interval": [
        "test_events.py::test_twenty_views_cost_one_poller"
    ],
    "runs only while someone listens": [
        "test_events.py::test_poller_runs_only_while_someone_listens"
    ],
    "backs off (up to 60 s) while Run:ai fails": [
        "test_events.py::test_poller_backs_off_while_runai_fails"
    ],
    "a new subscriber or a call that succeeds wakes it at once": [
        "test_events.py::test_a_new_view_after_an_outage_does_not_wait_out_the_backoff"
    ],
    "views see it within a second": [
        "test_events.py::test_actions_reach_views_at_once_not_at_the_next_tick"
    ],
    "An action Run:ai accepted is answered 202 even if that re-read fails": ["test_faults.py"],
    "the workspace may have been created, suspended, resumed or deleted all the same": [
        "test_faults.py"
    ],
    # idle culling
    "do not count as activity": ["test_server.py::test_polling_does_not_count_as_activity"],
    "actions do": ["test_server.py::test_polling_does_not_count_as_activity"],
    "an open stream leaves the server's `last_activity` where it was": [
        "test_hub.py::test_an_open_view_does_not_keep_an_idle_server_alive"
    ],
    # JupyterHub: the threat table
    "the service answers 404 for a workspace its caller does not own": [
        "test_hub.py::test_users_see_and_touch_only_their_own_workspaces",
        "test_hub.py::test_kernel_magics_and_panel_see_only_their_users_workspaces",
    ],
    "the service alone reads its file": [
        "test_hub_isolation.py::test_no_file_or_process_a_user_can_read_holds_the_secret",
        "test_hub.py::test_no_run_ai_secret_in_any_user_process_or_log",
    ],
    "each server runs as its user's own Unix account": [
        "test_hub_isolation.py::test_no_file_or_process_a_user_can_read_holds_the_secret"
    ],
    "both stop working within 15 s": [
        "test_hub_isolation.py::test_a_revoked_token_stops_working_within_seconds",
        "test_hub_isolation.py::test_a_removed_group_stops_working_within_seconds",
    ],
    "answered within `hub_service_timeout`, then at once": [
        "test_hub_isolation.py::test_a_stopped_service_hangs_no_user"
    ],
    "every forwarded call is answered within": [
        "test_hub_isolation.py::test_a_stopped_service_hangs_no_user"
    ],
    "`%runai list`, the panel and the sidebar say the service is not answering": [
        "test_hub_isolation.py::test_a_stopped_service_hangs_no_user",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    # JupyterHub: the example
    "The hub passes the service the file's path, never the secret": [
        "test_hub_isolation.py::test_no_file_or_process_a_user_can_read_holds_the_secret"
    ],
    "the example refuses to start with": [
        "test_hub_harness.py::test_the_example_refuses_a_secret_in_the_hubs_environment"
    ],
    "Its data folder is 0700 and its database 0600": [
        "test_hub_harness.py::test_the_examples_state_is_the_hubs_alone"
    ],
    "Each user's server runs as that user's Unix account": [
        "test_hub_isolation.py::test_no_file_or_process_a_user_can_read_holds_the_secret"
    ],
    "`JUPYTERHUB_INTERNAL_SSL=1`": [
        "test_hub.py::test_the_internal_ssl_switch_works_and_kernels_reach_the_api"
    ],
    "no `hub.extraEnv` holds it": [
        "test_hub_harness.py::test_helm_values_name_the_settings_of_the_example"
    ],
    "the values also open the network policies": [
        "test_hub_harness.py::test_helm_values_name_the_settings_of_the_example"
    ],
    "the create body has no annotations; the service stamps the owner": [
        "test_hub.py::test_nobody_can_claim_a_workspace_for_someone_else"
    ],
    "403 `project_not_allowed` (naming their projects) or `gpu_limit`": [
        "test_hub.py::test_groups_map_to_projects",
        "test_hub.py::test_gpu_limit_names_what_holds_the_gpus",
    ],
    "403 JSON from the service": [
        "test_hub.py::test_the_service_refuses_strangers_and_tokens_without_its_scope"
    ],
    "views use the event stream, which the proxy never counts as activity": [
        "test_hub.py::test_an_open_view_does_not_keep_an_idle_server_alive"
    ],
    "they reach their server through a Unix socket": [
        "test_hub.py::test_the_internal_ssl_switch_works_and_kernels_reach_the_api"
    ],
    "each server gets only its own user's credentials": ["test_hub_per_user.py"],
    "Run:ai refuses (403) or does not list them": [
        "test_hub_per_user.py::test_run_ai_scopes_each_user_to_their_own_projects",
        "test_simulator.py::test_an_account_that_is_a_member_of_some_projects_sees_only_those",
    ],
    "a restarted service loses nothing": [
        "test_hub.py::test_service_restart_keeps_ownership_and_views_recover"
    ],
    "one upstream list per interval, however many users watch": [
        "test_hub.py::test_five_users_streams_cost_one_list_call_per_interval"
    ],
    # the demo and Binder
    "Run All ends with the panel showing the workspaces the notebook made": [
        "test_demo.py::test_run_all_keeps_what_the_welcome_notebook_built",
        "test_demo.py::test_jupyterlab_opens_the_welcome_notebook_unmodified_and_run_all_shows_the_panel",
    ],
    "deleting them is an optional last cell": [
        "test_demo.py::test_run_all_keeps_what_the_welcome_notebook_built"
    ],
    "replaces a welcome notebook you have not edited": [
        "test_demo.py::test_an_upgrade_refreshes_an_unchanged_welcome_notebook",
        "test_demo.py::test_the_shipped_welcome_notebook_is_listed_as_shipped",
    ],
    "one you edited is kept, and it says that too": [
        "test_demo.py::test_an_upgrade_keeps_a_welcome_notebook_the_user_edited"
    ],
    "puts the simulator on that port": [
        "test_demo.py::test_demo_runs_jupyterlab_on_the_embedded_simulator",
        "test_demo.py::test_a_simulator_port_in_use_is_refused_clearly",
    ],
    "named `RunaiSimulator` and only its warnings show": [
        "test_demo.py::test_demo_runs_jupyterlab_on_the_embedded_simulator",
        "test_demo.py::test_the_simulator_log_is_its_own_and_shows_with_debug",
    ],
    "polling the simulator every second so that Pending and Initializing show live": [
        "test_demo.py::test_the_demo_polls_the_simulator_every_second"
    ],
    "`runai-demo` in Jupyter's data folder": [
        "test_demo.py::test_the_demo_folder_is_runai_demo_in_jupyters_data_folder"
    ],
    "On Binder, JupyterLab opens with the extension on an embedded Run:ai simulator": [
        "test_binder.py::test_binder_image_opens_the_demo_on_the_simulator"
    ],
    "a `runai workspace submit` line that uses only these works after `%runai` as it is": [
        "test_labextension.py::test_what_copy_as_writes_runs_in_a_kernel",
        "test_notebook.py::test_magic_bad_input_prints_one_line_and_changes_nothing",
        "test_notebook.py::test_magic_submit_adds_tool_ports",
    ],
    "its port 8888 is labelled `jupyter:8888` however it was asked for": [
        "test_notebook.py::test_describe_lists_the_tools",
        "test_labextension.py::test_what_copy_as_writes_runs_in_a_kernel",
    ],
    "Tools travel too": [
        "test_labextension.py::test_what_copy_as_writes_runs_in_a_kernel",
        "test_ui_sidebar.py::test_the_dialog_copies_the_same_create_as_a_runai_command",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    # the JupyterLab sidebar
    "adds a Run:ai workspaces panel to JupyterLab's left sidebar": [
        "test_labextension.py::test_jupyterlab_lists_the_sidebar_enabled_and_ok",
        "test_ui_sidebar.py::test_the_sidebar_lists_a_workspace_created_through_the_api_without_reload",
    ],
    "installing it needs no Node.js": [
        "test_labextension.py::test_the_wheel_holds_the_prebuilt_sidebar",
        "test_labextension.py::test_the_wheel_installs_the_sidebar_without_node",
    ],
    "Each row shows the name, project, a phase chip": [
        "test_ui_sidebar.py::test_a_pending_workspace_says_why_and_is_told_past_the_threshold",
        "test_ui_sidebar.py::test_the_sidebar_lists_a_workspace_created_through_the_api_without_reload",
        "test_ui_sidebar.py::test_a_notification_appears_when_a_workspace_is_running",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    'says "Reconnecting" while Run:ai or the server does not answer': [
        "test_ui_sidebar.py::test_the_panel_reconnects_after_the_simulator_stops_answering",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    'A "simulated" badge shows when the upstream is a simulator': [
        "test_ui_sidebar.py::test_the_sidebar_lists_a_workspace_created_through_the_api_without_reload",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "Suspend, Resume and Delete are enabled only where the phase allows": [
        "test_ui_sidebar.py::test_suspend_changes_the_chip_without_reload"
    ],
    "Delete asks first and names what is lost": [
        "test_ui_sidebar.py::test_delete_asks_first_naming_what_is_lost"
    ],
    "the sidebar also tells it in a notification": [
        "test_ui_sidebar.py::test_an_action_run_ai_refuses_is_a_notification_in_the_users_words",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "checked as you type by the create rules": [
        "test_labextension.py::test_the_sidebar_applies_the_create_rules_of_create_body",
        "test_ui_sidebar.py::test_create_through_the_dialog_refuses_a_bad_name_next_to_the_field",
        "test_ui_sidebar.py::test_the_dialog_shows_a_server_refusal_next_to_its_field",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "Create is enabled only when there is something valid and new to create": [
        "test_ui_sidebar.py::test_create_through_the_dialog_refuses_a_bad_name_next_to_the_field",
        "test_ui_panel_flows.py::test_double_clicking_create_makes_one_workspace_and_says_created",
    ],
    "its tooltip says why not": [
        "test_ui_panel_flows.py::test_every_error_shows_at_once_beside_its_field_and_create_says_why_not",
        "test_ui_sidebar.py::test_create_through_the_dialog_refuses_a_bad_name_next_to_the_field",
    ],
    "says each of them at once, one line each": [
        "test_notebook.py::test_magic_submit_reports_every_bad_flag_at_once",
        "test_notebook.py::test_magic_bad_input_prints_one_line_and_changes_nothing",
    ],
    "`runai.projects()` (a table), `runai.status()` (a sentence": [
        "test_notebook.py::test_status_and_projects_show_as_a_sentence_and_a_table"
    ],
    "Run:ai's own report, when there is one, is in the exception's `details`": [
        "test_notebook.py::test_api_exceptions_keep_run_ais_report_in_their_details",
        "test_notebook.py::test_api_errors_are_one_clear_sentence",
    ],
    "newest first": ["test_labextension.py::test_the_typescript_unit_tests_pass"],
    "a simulator's say they are simulated instead of opening a page that is not there": [
        "test_ui_sidebar.py::test_a_notification_appears_when_a_workspace_is_running",
        "test_ui_panel_flows.py::test_the_list_reads_well_from_700_px_in_both_themes",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "Enter creates, and a double click creates once": [
        "test_ui_panel_flows.py::test_enter_in_name_creates_with_one_gpu_by_default",
        "test_ui_panel_flows.py::test_double_clicking_create_makes_one_workspace_and_says_created",
    ],
    "Run:ai's refusals show beside the field they name": [
        "test_ui_panel_flows.py::test_a_quota_refusal_shows_beside_gpus_in_plain_words",
        "test_ui_sidebar.py::test_the_dialog_shows_a_server_refusal_next_to_its_field",
    ],
    "GPUs are whole devices or a fraction below 1": [
        "test_ui_panel_flows.py::test_every_error_shows_at_once_beside_its_field_and_create_says_why_not",
        "test_ui_panel_flows.py::test_enter_in_name_creates_with_one_gpu_by_default",
    ],
    "a disabled one says why in its tooltip": [
        "test_labextension.py::test_the_typescript_unit_tests_pass"
    ],
    "A failed action says why on its row in the user's words": [
        "test_labextension.py::test_the_typescript_unit_tests_pass",
        "test_ui_sidebar.py::test_an_action_run_ai_refuses_is_a_notification_in_the_users_words",
    ],
    "reconnects back off to 5 s at most": [
        "test_labextension.py::test_the_typescript_unit_tests_pass",
        "test_ui_sidebar.py::test_the_panel_reconnects_after_the_simulator_stops_answering",
    ],
    "only while the list is live": ["test_labextension.py::test_the_typescript_unit_tests_pass"],
    "a row's copy proposes a name its project does not have yet": [
        "test_ui_sidebar.py::test_a_row_inserts_its_python_call_into_the_active_notebook",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "with the `%load_ext` a fresh notebook needs": [
        "test_labextension.py::test_what_copy_as_writes_runs_in_a_kernel"
    ],
    'its command "Run:ai: Show Workspaces" opens the sidebar beside a notebook': [
        "test_ui_sidebar.py::test_the_sidebar_and_the_panel_work_in_notebook_7"
    ],
    "The sidebar and the notebook panel are one UI": [
        "test_labextension.py::test_the_typescript_unit_tests_pass"
    ],
    '"Copy as" on each row and in the form gives the `runai workspace submit` command': [
        "test_ui_sidebar.py::test_the_dialog_copies_the_same_create_as_a_runai_command",
        "test_labextension.py::test_what_copy_as_writes_runs_in_a_kernel",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "inserts the Python call into the active notebook": [
        "test_ui_sidebar.py::test_a_row_inserts_its_python_call_into_the_active_notebook",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "when a workspace is Running (with its tool links), Failed or Stopped": [
        "test_ui_sidebar.py::test_a_pending_workspace_says_why_and_is_told_past_the_threshold",
        "test_ui_sidebar.py::test_a_notification_appears_when_a_workspace_is_running",
        "test_labextension.py::test_the_typescript_unit_tests_pass",
    ],
    "`openOnStartup` (off)": [
        "test_labextension.py::test_the_settings_schema_has_what_the_sidebar_reads",
        "test_ui_sidebar.py::test_settings_open_on_startup_turn_notifications_off_and_set_the_project",
    ],
    "**Commands** in the palette": [
        "test_ui_sidebar.py::test_the_commands_open_the_sidebar_and_the_dialog"
    ],
    "The sidebar's JavaScript is 65 KB minified": [
        "test_labextension.py::test_the_bundle_is_under_200_kb_minified"
    ],
    "budget 200 KB": ["test_labextension.py::test_the_bundle_is_under_200_kb_minified"],
}

#: README paragraphs every sentence of which must be covered by a claim above.
SECTIONS = (
    "- **Security.**",
    "- **Slow clients cost bounded memory.**",
    "- **Errors** are always JSON",
    "- **One poller.**",
    "- **Idle culling keeps working.**",
    "- **The sidebar.**",
    "- **Actions.**",
    "- **New workspace.**",
    "- **Notifications** tell",
    "- **Settings** (Settings",
    "- **The secret stays out of the hub.**",
)


def test_every_claim_is_in_the_readme_and_has_a_test():
    for claim, tests in CLAIMS.items():
        assert claim in README, f"README no longer says: {claim}"
        for test in tests:
            module, _, name = test.partition("::")
            source = (ROOT / "tests" / module).read_text()
            assert not name or re.search(rf"def {name}\b", source), f"{test} is gone ({claim})"


def test_every_sentence_of_the_security_and_error_sections_is_claimed():
    for start in SECTIONS:
        section = README[README.index(start) :]
        section = section[: section.find(" - **", 5) if " - **" in section[5:] else None]
        section = section.split(" ## ")[0]
        for sentence in re.split(r"(?<=\.) (?=[A-Z])|; ", section.removeprefix(start)):
            if len(sentence) > 5:
                assert any(c in sentence for c in CLAIMS), f"no test claims: {sentence}"
    tables = README[README.index("| threat |") :].split(" ## ")[0]
    for row in re.findall(r"\| ([^|]+) \| ([^|]+) \|", tables):
        if row[1].strip() in {"---", "what stops it"} or row[1].startswith("what stops it"):
            continue  # a table's head
        assert any(c in row[1] for c in CLAIMS), f"no test claims the threat row: {row}"

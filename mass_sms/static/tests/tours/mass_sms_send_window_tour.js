import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("mass_sms_send_window", {
    steps: () => [
        {
            content: "The form tells how many SMS wait for their time, and until when",
            trigger: ".o_mass_sms_waiting:contains('SMS wait in the queue for their time') .o_field_widget[name=sms_waiting_count]:contains('2')",
        },
        {
            content: "The mailing's own send window is in its settings",
            trigger: ".o_notebook_headers a[name=settings]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=sms_send_window] input[data-value=custom]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=sms_window_start] input",
            run: "edit 09:30",
        },
        {
            trigger: ".o_field_widget[name=sms_window_end] input",
            run: "edit 18:00",
        },
        {
            content: "No SMS on Sundays",
            trigger: ".o_field_widget[name=sms_window_quiet_day_ids] .form-check:contains('Sunday') input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=sms_frequency_cap_hours] input",
            run: "edit 24",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});

import { registry } from "@web/core/registry";

const NO_NUMBER = "Cannot send SMS as no phone number";

registry.category("web_tour.tours").add("sms_gateway_bridge_contact_without_number", {
    steps: () => [
        {
            content: "The contact's SMS button is greyed and tells why",
            trigger: `.o_field_widget[name=phone] .o_field_phone_sms_disabled[title='${NO_NUMBER}']`,
        },
        {
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:contains('Send SMS')",
            run: "click",
        },
        {
            content: "The composer says there is no number, not that its country is missing",
            trigger: `.modal .o_sms_composer_no_number:contains('${NO_NUMBER}.')`,
        },
        {
            trigger: ".modal:not(:contains('Invalid number')) footer button[name=action_send_sms][disabled]",
        },
    ],
});

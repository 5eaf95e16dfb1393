import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("mass_sms_marketer_send", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("mass_sms.mass_sms_menu_root", "Open the Mass SMS app"),
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=sms_subject] input",
            run: "edit Tour Spring Sale",
        },
        {
            content: "Send to the tour's list",
            trigger: ".o_field_widget[name=contact_list_ids] input",
            run: "edit Tour Customers",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour Customers')",
            run: "click",
        },
        {
            content: "Type the SMS: the counter follows the text as a recipient gets it",
            trigger: ".o_field_widget[name=body_plaintext] textarea",
            run: "edit Hello {{ object.name }}",
        },
        {
            trigger: ".o_mass_sms_counter_summary:contains('1 SMS'):contains('GSM-7')",
        },
        {
            content: "2 recipients, 1 SMS each, at the gateway's price per segment",
            trigger: ".o_mass_sms_estimate:contains('2 SMS for 2 recipients'):contains('0.10')",
        },
        {
            content: "Our gateways price the SMS: no link to Odoo's IAP pricing",
            trigger: ".o_mass_sms_counter_info:not(:has(a)):not(a)",
        },
        {
            trigger: ".o_form_view:not(:has(a[href*='iap-services.odoo.com'])):not(:has(.o_sms_count))",
        },
        {
            content: "... all while the marketer is still in the text: the counter does not wait for a blur",
            trigger: ".o_field_widget[name=body_plaintext] textarea:focus",
        },
        {
            content: "A longer text takes two segments each",
            trigger: ".o_field_widget[name=body_plaintext] textarea",
            run: `edit ${"Spring sale! ".repeat(13)}`,
        },
        {
            trigger: ".o_mass_sms_counter_summary:contains('2 SMS')",
        },
        {
            trigger: ".o_mass_sms_estimate:contains('4 SMS for 2 recipients'):contains('0.20')",
        },
        {
            content: "A character outside GSM-7 turns the encoding to UCS-2",
            trigger: ".o_field_widget[name=body_plaintext] textarea",
            run: "edit Привет {{ object.name }}",
        },
        {
            trigger: ".o_mass_sms_counter_summary:contains('UCS-2')",
        },
        {
            trigger: ".o_field_widget[name=body_plaintext] textarea:focus",
        },
        {
            trigger: ".o_field_widget[name=body_plaintext] textarea",
            run: "edit Hello {{ object.name }}, 20% off today",
        },
        {
            trigger: ".o_mass_sms_counter_summary:contains('GSM-7')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Saved, the counter shows the record's own figures of the same text",
            trigger: ".o_mass_sms_counter_summary:contains('1 SMS'):contains('GSM-7')",
        },
        {
            content: "Send a test",
            trigger: "button[name=action_test]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=numbers] textarea",
            run: "edit Tour Tester, +32470009999",
        },
        {
            trigger: ".modal button[name=action_send_sms]:contains('Send Sample SMS')",
            run: "click",
        },
        {
            content: "The test leaves the mailing in draft",
            trigger: "body:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            trigger: "button[name=action_put_in_queue]",
            run: "click",
        },
        {
            trigger: ".modal:contains('This will send the SMS Text Message to all recipients. Do you still want to proceed?') .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:not(:contains('Draft'))",
        },
    ],
});

registry.category("web_tour.tours").add("mass_sms_marketer_metrics", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("mass_sms.mass_sms_menu_root", "Open the Mass SMS app"),
        {
            trigger: ".o_data_row td:contains('Tour Spring Sale')",
            run: "click",
        },
        {
            content: "After the provider's reports: every SMS sent and delivered",
            trigger: "button[name=action_view_sms_sent] .o_stat_value:contains('2')",
        },
        {
            trigger: ".o_field_widget[name=sms_delivered_ratio]:contains('100')",
        },
        {
            trigger: "button[name=action_view_sms_sent]:has(.fa-comment-o)",
            run: "click",
        },
        {
            content: "The contacts the SMS went to, with their mobile",
            trigger: ".o_list_view .o_data_row:nth-child(2)",
        },
        {
            trigger: ".o_list_view:has(th:contains('Mobile')) .o_data_row td:contains('Ann Tour') ~ td:contains('+32470009000')",
        },
    ],
});
